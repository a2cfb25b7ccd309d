"""End to end in a real browser: JupyterLab and Notebook 7 in headless
Chromium (Playwright)."""
