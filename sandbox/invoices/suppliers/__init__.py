"""One package per sandbox supplier: `truth` draws invoices, `layout` prints them."""
