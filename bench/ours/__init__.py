"""Our side of the benchmark, run inside Django in a process of its own (see __main__)."""
