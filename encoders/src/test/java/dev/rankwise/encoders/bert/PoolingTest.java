package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sentence-transformers files {@link Pooling#writeSentenceTransformers} writes read back as the
 * same pooling, the prefix aside (those files have no place for it), and carry the width.
 */
class PoolingTest {

  @TempDir Path directory;

  @Test
  void writtenPoolingFilesReadBackAsTheSamePooling() throws Exception {
    for (Pooling pooling : List.of(Pooling.mean(), Pooling.cls(), Pooling.mean().normalized(),
        Pooling.cls().normalized())) {
      Path folder = directory.resolve(pooling.mode() + "-" + pooling.normalize());
      pooling.writeSentenceTransformers(folder, 384);
      assertEquals(Optional.of(pooling), Pooling.readSentenceTransformers(folder));
      JsonObject config = JsonParser.parseString(Files.readString(folder.resolve("1_Pooling/config.json")))
          .getAsJsonObject();
      assertEquals(384, config.get("word_embedding_dimension").getAsInt());
      assertEquals(pooling.normalize(), Files.readString(folder.resolve("modules.json")).contains("2_Normalize"));
    }
  }

  @Test
  void aPrefixIsNotWrittenAndRewritingReplacesTheDeclaration() throws Exception {
    Pooling.mean().normalized().withPrefix("query: ").writeSentenceTransformers(directory, 8);
    assertEquals(Optional.of(Pooling.mean().normalized()), Pooling.readSentenceTransformers(directory));
    assertFalse(Files.readString(directory.resolve("modules.json")).contains("query"));

    Pooling.cls().writeSentenceTransformers(directory, 8);
    assertEquals(Optional.of(Pooling.cls()), Pooling.readSentenceTransformers(directory));
    assertTrue(Files.isRegularFile(directory.resolve("1_Pooling/config.json")));
    assertThrows(IllegalArgumentException.class, () -> Pooling.cls().writeSentenceTransformers(directory, 0));
  }
}
