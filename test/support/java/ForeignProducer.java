import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A producer closeloop did not write: Apache Kafka's own Java client, with its defaults (the
 * murmur2 partitioner, idempotence), writing records as a city's systems might, compressed.
 * Run as a single source file on the classpath of Kafka's libs:
 *
 *   java -cp 'kafka/libs/*' ForeignProducer.java BROKERS < lines
 *
 * Each line is `compression topic base64(key) base64(value)`; one producer per compression
 * type, each record sent in the order read. Prints `sent N` once every record is acknowledged,
 * else the first failure, with exit status 1.
 */
public class ForeignProducer {
  public static void main(String[] args) throws Exception {
    Map<String, KafkaProducer<byte[], byte[]>> producers = new LinkedHashMap<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    Base64.Decoder base64 = Base64.getDecoder();
    int sent = 0;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) continue;
        String[] f = line.split(" ");
        if (f.length != 4) throw new IllegalArgumentException("expected 4 fields, got: " + line);
        KafkaProducer<byte[], byte[]> producer = producers.computeIfAbsent(f[0], c -> open(args[0], c));
        producer.send(
            new ProducerRecord<>(f[1], base64.decode(f[2]), base64.decode(f[3])),
            (meta, err) -> {
              if (err != null) failed.compareAndSet(null, err);
            });
        sent += 1;
      }
      for (KafkaProducer<byte[], byte[]> p : producers.values()) p.flush();
    } finally {
      for (KafkaProducer<byte[], byte[]> p : producers.values()) p.close();
    }
    if (failed.get() != null) {
      System.err.println("send failed: " + failed.get());
      System.exit(1);
    }
    System.out.println("sent " + sent);
  }

  private static KafkaProducer<byte[], byte[]> open(String brokers, String compression) {
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("compression.type", compression);
    // Several records per batch, so that compression has something to do.
    p.put("linger.ms", "20");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }
}
