import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A producer closeloop did not write: Apache Kafka's Java client with its defaults (the murmur2
 * partitioner, idempotence), writing values that Apache Avro encodes with the subject's latest
 * schema from the registry, in the Confluent wire format, as a city's own systems might; and
 * compressed. Run as a single source file:
 *
 *   java -cp 'libs/*' ForeignProducer.java BROKERS REGISTRY < lines
 *
 * Each line is `compression topic base64(key) subject base64(value in Avro's JSON encoding)`;
 * one producer per compression type, each record sent in the order read. Prints `sent N` once
 * every record is acknowledged, else the first failure, with exit status 1.
 */
public class ForeignProducer {
  // Bounded, as the producer is: a registry that does not answer fails the run with its name.
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Writer(int id, Schema schema) {}

  public static void main(String[] args) throws Exception {
    Map<String, KafkaProducer<byte[], byte[]>> producers = new LinkedHashMap<>();
    Map<String, Writer> writers = new HashMap<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    Base64.Decoder base64 = Base64.getDecoder();
    int sent = 0;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) continue;
        String[] f = line.split(" ");
        if (f.length != 5) throw new IllegalArgumentException("expected 5 fields, got: " + line);
        Writer writer = writers.get(f[3]);
        if (writer == null) {
          writer = latest(args[1], f[3]);
          writers.put(f[3], writer);
        }
        byte[] value = encode(writer, new String(base64.decode(f[4]), StandardCharsets.UTF_8));
        KafkaProducer<byte[], byte[]> producer = producers.computeIfAbsent(f[0], c -> open(args[0], c));
        producer.send(
            new ProducerRecord<>(f[1], base64.decode(f[2]), value),
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

  /** The subject's latest schema and its id, from the registry's Confluent-compatible API. */
  private static Writer latest(String registry, String subject) throws Exception {
    String url = registry + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions/latest";
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(subject + ": HTTP " + response.statusCode() + " " + response.body());
    }
    JsonNode body = JSON.readTree(response.body());
    return new Writer(body.get("id").asInt(), new Schema.Parser().parse(body.get("schema").asText()));
  }

  /** Magic byte 0, the schema id in four bytes, then the datum as Apache Avro writes it. */
  private static byte[] encode(Writer writer, String json) throws Exception {
    Object datum = new GenericDatumReader<Object>(writer.schema())
        .read(null, DecoderFactory.get().jsonDecoder(writer.schema(), json));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(new byte[] {(byte) (writer.id() >>> 24), (byte) (writer.id() >>> 16), (byte) (writer.id() >>> 8), (byte) writer.id()});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<Object>(writer.schema()).write(datum, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static KafkaProducer<byte[], byte[]> open(String brokers, String compression) {
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("compression.type", compression);
    // Several records per batch, so that compression has something to do.
    p.put("linger.ms", "20");
    // A broker that will not take the records makes this run fail and say why within a test's
    // time, instead of blocking in send() for a minute or in flush() for two.
    p.put("max.block.ms", "20000");
    p.put("delivery.timeout.ms", "30000");
    p.put("request.timeout.ms", "10000");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }
}
