# Production image of collecte: the official Airflow image at the pinned version, the system
# packages the tasks need, the pinned requirements and the project itself.
# It cannot be built on the development machines of this project (no Docker engine there);
# CI checks everything else. Build: docker build -t collecte:0.1.0 .
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium default-jre-headless poppler-utils openssh-client \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

USER airflow
COPY --chown=airflow:root requirements.txt constraints.txt pyproject.toml /opt/collecte/
# The Airflow image provides Airflow itself: install the rest against the same pins.
RUN pip install --no-cache-dir -r /opt/collecte/requirements.txt -c /opt/collecte/constraints.txt
COPY --chown=airflow:root include /opt/collecte/include
RUN pip install --no-cache-dir --no-deps -e /opt/collecte
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins

ENV COLLECTE_CHROMIUM=/usr/bin/chromium \
    TZ=UTC
