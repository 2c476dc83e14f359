"""DUES-paid, DUES-remit and DUES-publish, registered in the compliance registry."""
