"""Patient consent registry (PIPL separate consent), consulted by the usage policy."""
