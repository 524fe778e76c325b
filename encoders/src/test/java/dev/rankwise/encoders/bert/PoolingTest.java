package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
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
  void aPrefixIsTheDefaultPromptAndRewritingReplacesTheDeclaration() throws Exception {
    Pooling e5 = Pooling.mean().normalized().withPrefix("query: ");
    e5.writeSentenceTransformers(directory, 8);
    assertEquals(Optional.of(e5), Pooling.readSentenceTransformers(directory));
    JsonObject prompts = JsonParser.parseString(Files.readString(directory.resolve(
        "config_sentence_transformers.json"))).getAsJsonObject();
    String name = prompts.get("default_prompt_name").getAsString();
    assertEquals("query: ", prompts.getAsJsonObject("prompts").get(name).getAsString(),
        "sentence-transformers' encode() puts the default prompt before every text");

    Pooling.cls().writeSentenceTransformers(directory, 8);
    assertEquals(Optional.of(Pooling.cls()), Pooling.readSentenceTransformers(directory));
    assertFalse(Files.exists(directory.resolve("config_sentence_transformers.json")), "no prompt left behind");
    assertTrue(Files.isRegularFile(directory.resolve("1_Pooling/config.json")));
    assertThrows(IllegalArgumentException.class, () -> Pooling.cls().writeSentenceTransformers(directory, 0));
  }

  @Test
  void aPromptFileWithoutADefaultPromptGivesNoPrefixAndABrokenOneIsNamed() throws Exception {
    Pooling.mean().writeSentenceTransformers(directory, 8);
    Path prompts = directory.resolve("config_sentence_transformers.json");
    Files.writeString(prompts, "{\"prompts\": {\"query\": \"query: \"}, \"default_prompt_name\": null}");
    assertEquals(Optional.of(Pooling.mean()), Pooling.readSentenceTransformers(directory),
        "sentence-transformers puts a prompt only when asked, so does rankwise");
    Files.writeString(prompts, "{\"prompts\": {\"query\": \"query: \"}, \"default_prompt_name\": \"passage\"}");
    IOException error = assertThrows(IOException.class, () -> Pooling.readSentenceTransformers(directory));
    assertTrue(error.getMessage().contains("passage") && error.getMessage().contains(prompts.toString()),
        error.getMessage());
  }
}
