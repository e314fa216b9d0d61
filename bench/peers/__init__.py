"""One script per peer: fetch the nine FRED series the way its docs show, print JSON
``{"rows": N, "errors": [...]}``. Run as a child process of the harness, so that wall
time and peak RSS include the peer's own imports."""
