"""One module per measure; each has ``run(ctx) -> dict`` filling both sides where both apply."""
