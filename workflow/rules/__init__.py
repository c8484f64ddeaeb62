"""Assignment rules that team leaders write for their pools."""
