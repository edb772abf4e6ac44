"""Pages of billing, one module per area: ``invoices``, ``payments``, ``receivables``
(with the client card's invoices panel) and ``settings`` (number series). Thin: each
parses input and calls one service or selector."""
