"""``python -m linkgraph``: the same as the ``linkgraph`` command."""
from linkgraph.cli import app

if __name__ == "__main__":
    app()
