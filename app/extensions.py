"""Flask extension objects, created unbound and attached to an app in `create_app`."""

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model (SQLAlchemy 2.0 typing)."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
# Limits apply only where a view asks (app/auth/throttle.py), whose responses carry Retry-After
# and X-RateLimit-* headers. A storage that fails lets requests through, counted in memory
# meanwhile, rather than break logins.
limiter = Limiter(key_func=get_remote_address, swallow_errors=True,
                  in_memory_fallback_enabled=True, headers_enabled=True)
