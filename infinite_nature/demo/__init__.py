"""The interactive flight demo: a local web app that flies live (``infinite-nature demo``)."""
