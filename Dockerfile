FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs no database or real secret.
RUN DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=collectstatic-only \
    ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/x.sqlite3 \
    python manage.py collectstatic --noinput
RUN useradd --create-home candor
USER candor
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
