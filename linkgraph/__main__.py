"""``python -m linkgraph``: the same as the ``linkgraph`` command."""
from linkgraph.cli import main

if __name__ == "__main__":
    main()
