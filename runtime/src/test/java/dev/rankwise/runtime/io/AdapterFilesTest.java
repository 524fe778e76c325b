package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import plain.TwoTower;

class AdapterFilesTest extends ManagedArrays {

  private static final LoraConfig LEARNED = LoraConfig.builder().setRanks(2, 3).optAlpha(6).build();

  @TempDir Path directory;
  private AdaptedModel adapted(LoraConfig config) {
    Engine.getInstance().setRandomSeed(5);
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    return AdapterSpec.builder("t.Spec").target(config, "query", "head.2").build().attach(tower, 9);
  }

  private AdaptedModel trained() {
    AdaptedModel model = adapted(LEARNED);
    NDArray input = manager.randomNormal(new Shape(16, 6));
    NDArray target = manager.randomNormal(new Shape(16, 3));
    TestModels.train(model.block(), model.trainableParameters(), manager, input,
        prediction -> prediction.sub(target).square().mean(), 20, 0.05f);
    return model;
  }

  @Test
  void saveThenLoadIntoAFreshModelGivesIdenticalOutputs() throws IOException {
    AdaptedModel trained = trained();
    trained.save(directory);
    AdaptedModel fresh = adapted(LEARNED);
    NDArray input = manager.randomNormal(new Shape(4, 6));
    NDArray expected = TestModels.predict(trained.block(), manager, input);
    assertTrue(!expected.contentEquals(TestModels.predict(fresh.block(), manager, input)));

    fresh.load(directory);

    assertTrue(expected.contentEquals(TestModels.predict(fresh.block(), manager, input)));
    assertTrue(Files.exists(directory.resolve(AdapterFiles.WEIGHTS_FILE)));
    try (var files = Files.list(directory)) {
      assertEquals(2, files.count(), "no temporary file is left behind");
    }
  }

  /** A crash: the disk stops at a chosen rename and refuses everything after it. */
  private static final class Crash extends RuntimeException {
    Crash() {
      super("simulated crash");
    }
  }

  private static final class CrashingDisk implements AtomicFiles.Disk {
    private final int renames;
    private int done;
    private boolean crashed;

    /** A disk that crashes after {@code renames} renames. */
    CrashingDisk(int renames) {
      this.renames = renames;
    }

    @Override
    public void force(Path file, java.nio.channels.FileChannel channel) throws IOException {
      alive();
      AtomicFiles.REAL.force(file, channel);
    }

    @Override
    public void forceDirectory(Path folder, java.nio.channels.FileChannel channel) throws IOException {
      alive();
      AtomicFiles.REAL.forceDirectory(folder, channel);
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      alive();
      if (done == renames) {
        crashed = true;
        throw new Crash();
      }
      AtomicFiles.REAL.move(source, target);
      done++;
    }

    private void alive() {
      if (crashed) {
        throw new Crash();
      }
    }
  }

  @Test
  void aCrashAtAnyRenameOfASaveLeavesTheOldOrTheNewAdaptersNeverAMix() throws IOException {
    Path folder = directory.resolve("adapters");
    AdaptedModel old = adapted(LEARNED);
    AdaptedModel updated = trained();
    NDArray input = manager.randomNormal(new Shape(4, 6));
    NDArray oldOutput = TestModels.predict(old.block(), manager, input);
    NDArray newOutput = TestModels.predict(updated.block(), manager, input);
    assertTrue(!oldOutput.contentEquals(newOutput));
    boolean sawOld = false;
    boolean sawNew = false;
    for (int renames = 0; ; renames++) {
      old.save(folder);
      CrashingDisk disk = new CrashingDisk(renames);
      AtomicFiles.disk = disk;
      try {
        updated.save(folder);
      } catch (Crash expected) {
        // The process died here; what a restarted one finds is below.
      } finally {
        AtomicFiles.disk = AtomicFiles.REAL;
      }

      AdaptedModel restarted = adapted(LEARNED);
      try {
        restarted.load(folder);
      } catch (IOException e) {
        throw new AssertionError("after a crash at rename " + (renames + 1) + " the folder does not load: " + e, e);
      }
      NDArray output = TestModels.predict(restarted.block(), manager, input);
      assertTrue(output.contentEquals(oldOutput) || output.contentEquals(newOutput),
          "after a crash at rename " + (renames + 1) + " the folder loads neither the old nor the new adapters");
      sawOld |= output.contentEquals(oldOutput);
      sawNew |= output.contentEquals(newOutput);

      // The next save completes or discards what the crash left, and leaves nothing behind.
      updated.save(folder);
      AdaptedModel next = adapted(LEARNED).load(folder);
      assertTrue(TestModels.predict(next.block(), manager, input).contentEquals(newOutput));
      try (var files = Files.list(directory)) {
        assertEquals(List.of(folder), files.toList(), "nothing but the folder is left beside it");
      }
      try (var files = Files.list(folder)) {
        assertEquals(2, files.count(), "the folder holds the two files only");
      }
      if (!disk.crashed) {
        break; // this save had fewer renames than the crash point: every rename was covered
      }
    }
    assertTrue(sawOld && sawNew, "crashes early leave the old adapters, a crash after the last rename the new");
  }

  @Test
  void aDivergedAdapterIsNotSavedOverAGoodOne() throws IOException {
    AdaptedModel model = trained();
    model.save(directory);
    byte[] good = Files.readAllBytes(directory.resolve(AdapterFiles.WEIGHTS_FILE));
    Parameter b = model.trainableParameters().get(2);
    float[] values = b.getArray().toFloatArray();
    values[0] = Float.NaN;
    b.getArray().set(values);

    IllegalStateException error = assertThrows(IllegalStateException.class, () -> model.save(directory));
    assertTrue(error.getMessage().contains("holds NaN"), error.getMessage());
    assertArrayEquals(good, Files.readAllBytes(directory.resolve(AdapterFiles.WEIGHTS_FILE)));
  }

  @Test
  void theConfigRecordsEveryLayer() throws IOException {
    trained().save(directory);
    JsonObject config =
        JsonParser.parseString(Files.readString(directory.resolve(AdapterFiles.CONFIG_FILE)))
            .getAsJsonObject();
    assertEquals("RANKWISE", config.get("peft_type").getAsString(), "a learned mixer is not PEFT's");
    JsonObject layer =
        config.getAsJsonObject("rankwise").getAsJsonObject("layers").getAsJsonObject("head.2");
    assertEquals(2, layer.get("rank_a").getAsInt());
    assertEquals(3, layer.get("rank_b").getAsInt());
    assertEquals("LEARNED", layer.get("mixer").getAsString());
    assertEquals("t.Spec", config.getAsJsonObject("rankwise").get("declaring_type").getAsString());
  }

  @Test
  void aMissingDirectoryNamesWhatWasExpected() {
    AdaptedModel model = adapted(LEARNED);
    NoSuchFileException error =
        assertThrows(NoSuchFileException.class, () -> model.load(directory.resolve("nope")));
    assertTrue(error.getMessage().contains(AdapterFiles.WEIGHTS_FILE), error.getMessage());
  }

  @Test
  void truncatedFileIsRejected() throws IOException {
    expectRejected(bytes -> Arrays.copyOf(bytes, bytes.length - 5), "data offsets");
  }

  @Test
  void tinyFileIsRejected() throws IOException {
    expectRejected(bytes -> Arrays.copyOf(bytes, 5), "truncated safetensors file");
  }

  @Test
  void headerLengthBeyondTheFileIsRejected() throws IOException {
    expectRejected(
        bytes -> {
          ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE / 2);
          return bytes;
        },
        "does not fit a file of");
  }

  @Test
  void malformedHeaderJsonIsRejected() throws IOException {
    expectRejected(
        bytes -> {
          bytes[8] = 'x';
          return bytes;
        },
        "malformed safetensors header");
  }

  @Test
  void aWrongShapeIsRejected() throws IOException {
    trained().save(directory);
    // Same declaration, but the file was written for a model whose query layer is wider.
    Engine.getInstance().setRandomSeed(5);
    TwoTower wide = TwoTower.initialised(manager, 7, 8, 3);
    AdaptedModel model =
        AdapterSpec.builder("t.Spec").target(LEARNED, "query", "head.2").build().attach(wide, 9);
    AdapterFileException error = assertUnchanged(model, () -> model.load(directory));
    assertTrue(error.getMessage().contains("has shape [2, 6] but the attached adapter expects (2, 7)"),
        error.getMessage());
  }

  @Test
  void missingAndUnexpectedTensorsAreListed() throws IOException {
    trained().save(directory);
    Engine.getInstance().setRandomSeed(5);
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdaptedModel model =
        AdapterSpec.builder("t.Spec").target(LEARNED, "query", "value").build().attach(tower, 9);
    AdapterFileException error = assertUnchanged(model, () -> model.load(directory));
    assertTrue(error.getMessage().contains("missing tensors for attached adapters: "
        + "[base_model.model.value.lora_A.weight"), error.getMessage());

    AdaptedModel fewer =
        AdapterSpec.builder("t.Spec").target(LEARNED, "query").build()
            .attach(TwoTower.initialised(manager, 6, 8, 3), 9);
    AdapterFileException unexpected = assertUnchanged(fewer, () -> fewer.load(directory));
    assertTrue(unexpected.getMessage().contains("tensors that match no attached adapter: "
        + "[base_model.model.head.2.lora_A.weight"), unexpected.getMessage());
  }

  @Test
  void aNonFiniteValueIsRejected() throws IOException {
    expectRejected(
        bytes -> {
          ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
          long headerLength = buffer.getLong(0);
          buffer.putFloat((int) (8 + headerLength), Float.NaN);
          return bytes;
        },
        "non-finite value");
  }

  @Test
  void aDifferentDeclarationIsRejected() throws IOException {
    trained().save(directory);
    AdaptedModel model = adapted(LoraConfig.builder().setRanks(3, 2).optAlpha(6).build());
    AdapterFileException error = assertUnchanged(model, () -> model.load(directory));
    assertTrue(error.getMessage().contains("layer 'query' was saved as"), error.getMessage());
  }

  @Test
  void aFutureFormatVersionIsRejected() throws IOException {
    trained().save(directory);
    Path config = directory.resolve(AdapterFiles.CONFIG_FILE);
    Files.writeString(config, Files.readString(config).replace("\"format_version\": 1", "\"format_version\": 99"));
    AdaptedModel model = adapted(LEARNED);
    AdapterFileException error = assertUnchanged(model, () -> model.load(directory));
    assertTrue(error.getMessage().contains("format_version 99 is not supported"), error.getMessage());
  }

  @Test
  void aPeftFileWithAnotherRankIsRejected() throws IOException {
    LoraConfig plain = LoraConfig.builder().setRanks(3, 3).optMixer(Mixer.IDENTITY).build();
    AdaptedModel model = adapted(plain);
    Files.copy(Path.of("src/test/resources/peft/plain-lora/adapter_model.safetensors"),
        directory.resolve(AdapterFiles.WEIGHTS_FILE));
    Files.copy(Path.of("src/test/resources/peft/plain-lora/adapter_config.json"),
        directory.resolve(AdapterFiles.CONFIG_FILE));
    AdapterFileException error = assertUnchanged(model, () -> model.load(directory));
    assertTrue(error.getMessage().contains("the file's r=2"), error.getMessage());
  }

  private void expectRejected(UnaryOperator<byte[]> corruption, String message) throws IOException {
    trained().save(directory);
    Path weights = directory.resolve(AdapterFiles.WEIGHTS_FILE);
    Files.write(weights, corruption.apply(Files.readAllBytes(weights)));
    AdaptedModel model = adapted(LEARNED);
    AdapterFileException error = assertUnchanged(model, () -> model.load(directory));
    assertTrue(error.getMessage().contains(message), error.getMessage());
    assertTrue(error.getMessage().startsWith(weights.toString()), "names the file: " + error.getMessage());
  }

  private interface Load {
    void run() throws IOException;
  }

  /** Loads, expects an AdapterFileException, and checks that no adapter weight changed. */
  private static AdapterFileException assertUnchanged(AdaptedModel model, Load load) {
    List<float[]> before = new ArrayList<>();
    for (Parameter parameter : model.trainableParameters()) {
      before.add(parameter.getArray().toFloatArray());
    }
    AdapterFileException error = assertThrows(AdapterFileException.class, load::run);
    for (int i = 0; i < before.size(); i++) {
      assertArrayEquals(before.get(i), model.trainableParameters().get(i).getArray().toFloatArray());
    }
    return error;
  }
}
