"""Settings of the example app: no database, no installed apps, one cache (Cachette)."""
import os

SECRET_KEY = "example-only-not-a-secret"
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
TIME_ZONE = "UTC"

# Cachette through django-redis, exactly as Redis would be configured. CACHE_URL defaults to the
# compose service `cache`; point it elsewhere with redis://[:password@]host:port/db.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", "redis://cache:6379/1"),
    }
}
