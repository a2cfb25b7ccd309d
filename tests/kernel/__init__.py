"""End to end in a real Jupyter kernel (ipykernel) through jupyter_client."""
