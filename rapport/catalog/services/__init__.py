"""Every write of the catalogue, one module per subject: ``products``, ``groups`` (the
product group tree), ``prices`` (price lists with their prices) and ``reference`` (units,
VAT rates, currencies and exchange rates, price types, discount rules and manual discount
limits); ``_common`` holds the shared helpers.

Administrators and directors manage the catalogue (``access.can_manage_catalog``);
everyone else is refused with PermissionDenied and nothing is written. Bad input answers
a ValidationError naming the field (and, for price rows, the row and the product).
"""
