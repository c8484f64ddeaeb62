"""Services of correspondence: creating cases (one or a batch), their search and audit, alerts."""
