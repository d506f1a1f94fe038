"""The WSGI entry point: ``gunicorn wsgi:app``."""

from dotenv import load_dotenv

load_dotenv()

from petition import create_app  # noqa: E402 - settings from .env must be loaded first

app = create_app()
