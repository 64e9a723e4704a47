"""``python -m kerasmagic migrate``: whole notebooks and scripts brought to the Keras in front of
you, every change verified by running it (``cli`` is the entry point). Importing this package
imports only the standard library: ``kernel_side`` is imported into kernels from here."""
