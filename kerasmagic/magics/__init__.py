"""IPython magics, one module per family; ``kerasmagic.extension`` registers them."""
