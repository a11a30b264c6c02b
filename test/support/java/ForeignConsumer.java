import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A reader closeloop did not write: Apache Kafka's Java consumer, reading a whole topic once at
 * the given isolation level, as a CRM's integration might read the status topic. Run as a
 * single source file on the classpath of Kafka's libs:
 *
 *   java -cp 'kafka/libs/*' ForeignConsumer.java BROKERS TOPIC read_committed|read_uncommitted
 *
 * Prints one line per record, `partition offset base64(key) base64(value)` (`-` for null), up
 * to each partition's end as the isolation level sees it (the last stable offset for
 * read_committed), then `end N`. No group: partitions are assigned, nothing is committed.
 */
public class ForeignConsumer {
  public static void main(String[] args) {
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
      long deadline = System.currentTimeMillis() + 60_000;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("not at the end after 60 s");
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          String key = r.key() == null ? "-" : base64.encodeToString(r.key());
          String value = r.value() == null ? "-" : base64.encodeToString(r.value());
          System.out.println(r.partition() + " " + r.offset() + " " + key + " " + value);
          read += 1;
        }
      }
    }
    System.out.println("end " + read);
  }
}
