"""Orders: the model, the one order-number rule, and the sources orders come from."""
