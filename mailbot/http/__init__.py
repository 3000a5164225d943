"""The HTTP API (FastAPI on Starlette), served by uvicorn inside `mailbot run`."""
