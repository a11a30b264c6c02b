package closeloop.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * topics joined by a comma, then the four output topics joined by a comma; optionally the
 * warm-up's application id, a count of warm-up records and the four warm-up output topics. It
 * prints RUNNING each time every stream thread has its tasks restored and running, PROCESSING
 * when the first record is processed, and exits on SIGTERM after a clean close; a stream thread
 * failure shuts the client down and exits with status 1.
 *
 * <p>The warm-up: a new JVM runs its first seconds slowly (interpreted, then compiled), and the
 * bench's phases last one to a few seconds, while the processor it is compared with runs in an
 * already warm process. So, given a count, the same topology first runs under the warm-up's
 * application id (a group with no offsets yet, so it reads from the start of the same inputs)
 * into the warm-up topics, until it has processed that many records; it is then closed, and only
 * then does the timed instance start. Its failure, or too few records within two minutes, ends
 * the process with status 1 before RUNNING.
 */
public final class StreamsPeer {
  private static final String STORE = "tickets";
  private static final String[] SINKS = {"state", "status", "command", "link"};

  private StreamsPeer() {}

  /**
   * Per key: a count of the events seen, then the latest event's bytes. Counts the records it
   * processed when given a counter (the warm-up's); the timed instance has none, so its stream
   * threads share no counter. Instead, the first record any of its tasks processes prints
   * PROCESSING: a stream thread runs its tasks as soon as it has them, while the client reports
   * RUNNING only once every thread has its own, so with two threads work can start before it.
   */
  static final class Lifecycle implements Processor<byte[], byte[], byte[], byte[]> {
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();
    private final AtomicLong processed;
    private boolean started;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> store;

    Lifecycle(AtomicLong processed) {
      this.processed = processed;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      if (!started) {
        started = true;
        if (processed == null && ANNOUNCED.compareAndSet(false, true)) {
          System.out.println("PROCESSING");
          System.out.flush();
        }
      }
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
      if (processed != null) processed.incrementAndGet();
    }
  }

  static Topology topology(List<String> inputs, String[] outputs, AtomicLong processed) {
    Topology t = new Topology();
    t.addSource("inputs", inputs.toArray(new String[0]));
    t.addProcessor("lifecycle", () -> new Lifecycle(processed), "inputs");
    t.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(STORE), Serdes.Bytes(), Serdes.ByteArray())
            .withLoggingEnabled(Map.of()),
        "lifecycle");
    for (int i = 0; i < SINKS.length; i++) t.addSink(SINKS[i], outputs[i], "lifecycle");
    return t;
  }

  static Properties settings(String bootstrap, String applicationId, String stateDir, int threads) {
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    // A Streams client does not leave its group on close; only static members can be removed
    // from it (close's leaveGroup). Each thread's consumer gets this id with its own suffix.
    p.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
        applicationId + "-peer");
    // The bench reads everything its feed wrote, from the start.
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    return p;
  }

  /** Runs the topology untimed until it has processed `records` records, then closes it. */
  static void warmUp(Properties p, List<String> inputs, String[] outputs, long records)
      throws InterruptedException {
    AtomicLong processed = new AtomicLong();
    KafkaStreams warm = new KafkaStreams(topology(inputs, outputs, processed), p);
    AtomicInteger failed = new AtomicInteger();
    warm.setUncaughtExceptionHandler(
        e -> {
          System.err.println("warm-up stream thread failed: " + e);
          failed.set(1);
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    warm.start();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (processed.get() < records && failed.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    warm.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
    if (failed.get() != 0 || processed.get() < records) {
      System.err.println(
          "the warm-up processed " + processed.get() + " of " + records + " records; stopping");
      System.exit(1);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 6 && args.length != 9) {
      System.err.println(
          "usage: StreamsPeer <bootstrap> <application.id> <state.dir> <threads> <in1,in2>"
              + " <state,status,command,link>"
              + " [<warm-up application.id> <warm-up records> <warm-up state,status,command,link>]");
      System.exit(2);
    }
    List<String> inputs = List.of(args[4].split(","));
    String[] outputs = args[5].split(",");
    String[] warmOutputs = args.length == 9 ? args[8].split(",") : outputs;
    if (outputs.length != SINKS.length || warmOutputs.length != SINKS.length) {
      System.err.println("expected " + SINKS.length + " output topics");
      System.exit(2);
    }
    int threads = Integer.parseInt(args[3]);
    if (args.length == 9 && Long.parseLong(args[7]) > 0) {
      warmUp(settings(args[0], args[6], args[2], threads), inputs, warmOutputs, Long.parseLong(args[7]));
    }

    Properties p = settings(args[0], args[1], args[2], threads);
    Topology t = topology(inputs, outputs, null);
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
