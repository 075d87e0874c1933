"""Language server (pygls) in front of the biaslsp engine."""
