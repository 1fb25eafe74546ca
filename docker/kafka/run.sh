#!/bin/sh
# Writes server.properties from the environment as apache/kafka does (KAFKA_ + the key in upper case, _ for .),
# formats the storage once (CLUSTER_ID, the same for every node of a cluster), then becomes the broker (exec: it
# gets the container's signals).
set -eu
config=/opt/kafka/config/server.properties
: > "$config"
env | grep '^KAFKA_' | grep -v '^KAFKA_HEAP_OPTS=' | while IFS='=' read -r name value; do
  key=$(echo "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | tr '_' '.')
  echo "$key=$value" >> "$config"
done
grep -q '^log.dirs=' "$config" || echo "log.dirs=/var/lib/kafka/data" >> "$config"
classpath='/opt/kafka/libs/*'
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  java -cp "$classpath" -Dlogback.configurationFile=/opt/kafka/logback.xml kafka.tools.StorageTool format \
    --cluster-id "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" --config "$config" --ignore-formatted
fi
exec java ${KAFKA_HEAP_OPTS:--Xmx512m} -cp "$classpath" -Dlogback.configurationFile=/opt/kafka/logback.xml kafka.Kafka "$config"
