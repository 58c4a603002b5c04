FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
# The runtime lock: every package pinned with its hashes (make lock). --require-hashes refuses
# anything unpinned or altered; --no-deps installs exactly the lock, nothing resolved on the fly.
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.txt
COPY . .
# The candidate's side in German, French and Spanish: compile the catalogues (locale/*.po ->
# .mo, not committed) with gettext's msgfmt, which is removed again afterwards.
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=compilemessages-only \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/x.sqlite3 \
    python manage.py compilemessages --ignore=.venv \
    && apt-get purge -y gettext && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
# collectstatic needs no database or real secret.
RUN DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/x.sqlite3 \
    python manage.py collectstatic --noinput
RUN useradd --create-home candor
USER candor
EXPOSE 8000
# config/gunicorn.conf.py: candidate links masked in the access log, no start with undeployable
# production settings, WEB_CONCURRENCY worker processes (default 3) and GUNICORN_THREADS threads;
# GUNICORN_CMD_ARGS still adds options. Migrations are not run here: see the migrate service in
# docker-compose.yml.
CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi:application"]
