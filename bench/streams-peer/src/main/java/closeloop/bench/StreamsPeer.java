package closeloop.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Bench scenario (d): the Kafka Streams application a team would write instead of closeloop's
 * lifecycle processor. It reads the processor's two input topics, keeps one state per key in an
 * in-memory key-value store with a changelog, and writes four records per input (state, status,
 * command, link) under exactly_once_v2. Values stay opaque bytes: no Avro decoding or encoding,
 * so it does less work per record than the processor and its figure is an upper bound.
 *
 * <p>Arguments: bootstrap servers, application id, state dir, stream threads, the two input
 * topics joined by a comma, then the four output topics joined by a comma. It prints RUNNING
 * each time every stream thread has its tasks restored and running, and exits on SIGTERM after
 * a clean close; a stream thread failure shuts the client down and exits with status 1.
 */
public final class StreamsPeer {
  private static final String STORE = "tickets";
  private static final String[] SINKS = {"state", "status", "command", "link"};

  private StreamsPeer() {}

  /** Per key: a count of the events seen, then the latest event's bytes. */
  static final class Lifecycle implements Processor<byte[], byte[], byte[], byte[]> {
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> store;

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      if (record.key() == null || record.value() == null) return;
      Bytes key = Bytes.wrap(record.key());
      byte[] before = store.get(key);
      long seen = before == null ? 0 : ByteBuffer.wrap(before).getLong();
      byte[] after =
          ByteBuffer.allocate(Long.BYTES + record.value().length)
              .putLong(seen + 1)
              .put(record.value())
              .array();
      store.put(key, after);
      context.forward(record.withValue(after), "state");
      for (int i = 1; i < SINKS.length; i++) context.forward(record, SINKS[i]);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 6) {
      System.err.println(
          "usage: StreamsPeer <bootstrap> <application.id> <state.dir> <threads> <in1,in2> <state,status,command,link>");
      System.exit(2);
    }
    List<String> inputs = List.of(args[4].split(","));
    String[] outputs = args[5].split(",");
    if (outputs.length != SINKS.length) {
      System.err.println("expected " + SINKS.length + " output topics, got " + outputs.length);
      System.exit(2);
    }

    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[3]));
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    // A Streams client does not leave its group on close; only static members can be removed
    // from it (close's leaveGroup). Each thread's consumer gets this id with its own suffix.
    p.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), args[1] + "-peer");
    // The bench reads everything its feed wrote, from the start.
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    Topology t = new Topology();
    t.addSource("inputs", inputs.toArray(new String[0]));
    t.addProcessor("lifecycle", Lifecycle::new, "inputs");
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(STORE), Serdes.Bytes(), Serdes.ByteArray())
            .withLoggingEnabled(Map.of()),
        "lifecycle");
    for (int i = 0; i < SINKS.length; i++) t.addSink(SINKS[i], outputs[i], "lifecycle");

    KafkaStreams streams = new KafkaStreams(t, p);
    AtomicInteger status = new AtomicInteger();
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(
        e -> {
          System.err.println("stream thread failed: " + e);
          e.printStackTrace();
          status.set(1);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(
        (now, before) -> {
          // The bench times from the first RUNNING; a later rebalance is part of the timed work.
          if (now == KafkaStreams.State.RUNNING) {
            System.out.println("RUNNING");
            System.out.flush();
          }
          if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
            stopped.countDown();
          }
        });
    // SIGTERM: close commits what was processed and ends the transactions cleanly, and leaves
    // the group, so the next start is assigned at once instead of after the session time-out.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    streams.close(
                        new KafkaStreams.CloseOptions()
                            .timeout(Duration.ofSeconds(30))
                            .leaveGroup(true))));
    streams.start();
    stopped.await();
    if (status.get() != 0) {
      streams.close(Duration.ofSeconds(30));
      System.exit(status.get());
    }
  }
}
