"""EnterpriseData (1C's universal exchange format) files: envelope, numbering, handshake,
streamed reading and writing, folder transport. See README.md in this package."""
