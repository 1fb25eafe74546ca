package io.segmentrefiner.deadletter;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import io.segmentrefiner.refiner.Reason;
import io.segmentrefiner.registry.SchemaRegistryException;

import java.util.List;
import java.util.Map;

/**
 * Kafka Streams' own error handlers (KIP-1033, KIP-1034), configured with {@code errors.dead.letter.queue.topic.name}:
 * they build the dead letter with the source record's raw key and value and Streams' {@code __streams.errors.*}
 * headers; these add the project's {@link DeadLetterHeaders}, so that every dead letter reads the same way.
 */
public final class DeadLetteringExceptionHandlers {

    private DeadLetteringExceptionHandlers() {
    }

    /**
     * Continues after a processing exception, dead-lettering the input record; but fails on an unreachable registry,
     * which reaches this handler too when the sink that serializes requests fails.
     */
    public static final class Processing extends LogAndContinueProcessingExceptionHandler {

        private HandledDeadLetters handled = new HandledDeadLetters();

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            handled = HandledDeadLetters.in(configs);
        }

        @Override
        public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            if (registryUnavailable(exception)) {
                return ProcessingExceptionHandler.Response.fail();
            }
            ProcessingExceptionHandler.Response response = super.handleError(context, record, exception);
            return ProcessingExceptionHandler.Response.resume(stamp(response.deadLetterQueueRecords(), context, Reason.PROCESSING_ERROR, exception, handled));
        }
    }

    /**
     * Dead-letters what can never be written (a value that cannot be serialized, a record too large) and fails on the
     * rest: a registry or broker outage must stop the application, not empty the stream into the dead-letter topic.
     */
    public static final class Production extends DefaultProductionExceptionHandler {

        private HandledDeadLetters handled = new HandledDeadLetters();

        @Override
        public void configure(Map<String, ?> configs) {
            super.configure(configs);
            handled = HandledDeadLetters.in(configs);
        }

        @Override
        public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
            ProductionExceptionHandler.Response response = super.handleError(context, record, exception);
            if (exception instanceof RecordTooLargeException) {
                return ProductionExceptionHandler.Response.resume(stamp(response.deadLetterQueueRecords(), context, Reason.RECORD_TOO_LARGE, exception, handled));
            }
            return response;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
                                                                              Exception exception, SerializationExceptionOrigin origin) {
            ProductionExceptionHandler.Response response = super.handleSerializationError(context, record, exception, origin);
            if (registryUnavailable(exception)) {
                return ProductionExceptionHandler.Response.fail();
            }
            return ProductionExceptionHandler.Response.resume(stamp(response.deadLetterQueueRecords(), context, Reason.SERIALIZATION_ERROR, exception, handled));
        }
    }

    private static boolean registryUnavailable(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof SchemaRegistryException registry && registry.retriable()) {
                return true;
            }
        }
        return false;
    }

    private static List<ProducerRecord<byte[], byte[]>> stamp(List<ProducerRecord<byte[], byte[]>> deadLetters,
                                                             ErrorHandlerContext context, Reason reason, Exception exception,
                                                             HandledDeadLetters handled) {
        if (!deadLetters.isEmpty()) {
            handled.counted(reason);
        }
        DeadLetter deadLetter = new DeadLetter(reason, String.valueOf(exception),
                new DeadLetter.Origin(context.topic(), context.partition(), context.offset()));
        return deadLetters.stream()
                .map(r -> new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), r.value(), deadLetter.appendTo(r.headers())))
                .toList();
    }
}
