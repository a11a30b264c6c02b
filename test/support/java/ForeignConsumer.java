import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A reader closeloop did not write: Apache Kafka's Java consumer, reading a whole topic once at
 * the given isolation level, as a CRM's integration might read the status topic; and, given a
 * registry, Apache Avro decoding each value with the writer's schema fetched by its id, as a
 * Confluent-compatible deserializer would. Run as a single source file:
 *
 *   java -cp 'libs/*' ForeignConsumer.java BROKERS TOPIC read_committed|read_uncommitted [REGISTRY]
 *
 * Prints one line per record, `partition offset base64(key) base64(value) [json]` (`-` for
 * null), up to each partition's end as the isolation level sees it (the last stable offset for
 * read_committed), then `end N`. No group: partitions are assigned, nothing is committed.
 */
public class ForeignConsumer {
  // Bounded: a registry that does not answer fails the run with its name.
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Integer, Schema> SCHEMAS = new HashMap<>();

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    String registry = args.length > 3 ? args[3] : null;
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("isolation.level", args[2]);
    p.put("enable.auto.commit", "false");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    Base64.Encoder base64 = Base64.getEncoder();
    int read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> partitions = consumer.partitionsFor(args[1], Duration.ofSeconds(30)).stream()
          .map(info -> new TopicPartition(info.topic(), info.partition()))
          .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("not at the end after 30 s");
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          String key = r.key() == null ? "-" : base64.encodeToString(r.key());
          String value = r.value() == null ? "-" : base64.encodeToString(r.value());
          String decoded = registry == null || r.value() == null ? "" : " " + decode(r.value(), registry);
          out.println(r.partition() + " " + r.offset() + " " + key + " " + value + decoded);
          read += 1;
        }
      }
    }
    out.println("end " + read);
    out.flush();
  }

  /** The value as JSON, read by Apache Avro with the schema its Confluent wire-format id names. */
  private static String decode(byte[] value, String registry) throws Exception {
    if (value.length < 5 || value[0] != 0) throw new IllegalStateException("a value not in the Confluent wire format");
    int id = ByteBuffer.wrap(value, 1, 4).getInt();
    Schema schema = SCHEMAS.get(id);
    if (schema == null) {
      schema = fetchSchema(registry, id);
      SCHEMAS.put(id, schema);
    }
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
    Object datum = new GenericDatumReader<Object>(schema).read(null, decoder);
    if (!decoder.isEnd()) throw new IllegalStateException("bytes left after the value of schema " + id);
    return GenericData.get().toString(datum);
  }

  private static Schema fetchSchema(String registry, int id) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + id))
        .timeout(Duration.ofSeconds(15))
        .build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("schema " + id + ": HTTP " + response.statusCode() + " " + response.body());
    }
    return new Schema.Parser().parse(JSON.readTree(response.body()).get("schema").asText());
  }
}
