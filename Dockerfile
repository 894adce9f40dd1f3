# Bridgehead: the Streamlit UI (default) and the `bridgehead` CLI. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

RUN groupadd --system --gid 10001 bridgehead \
    && useradd --system --uid 10001 --gid bridgehead --create-home --home-dir /home/bridgehead \
       --shell /usr/sbin/nologin bridgehead

WORKDIR /app
# Code stays owned by root: the app user can read it, not change it.
COPY . /app
RUN pip install --no-cache-dir . \
    && rm -rf /app/build /app/*.egg-info

USER bridgehead
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

# The address comes from the environment: .streamlit/config.toml keeps loopback as the default, so the image
# only listens beyond the container when told to (docker-compose.yml sets STREAMLIT_SERVER_ADDRESS=0.0.0.0
# and publishes the port on 127.0.0.1 of the host).
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.headless", "true", \
     "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]
