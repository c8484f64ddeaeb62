"""The fault storm: ``engine`` runs one, ``services`` breaks things, ``__main__`` runs long."""
