package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint files and folders without an engine: round trip, retention, and mutated files refused. */
class CheckpointFileTest {

  private static Checkpoint.Array array(Random random, long... shape) {
    int size = 1;
    for (long dimension : shape) {
      size *= (int) dimension;
    }
    float[] data = new float[size];
    for (int i = 0; i < size; i++) {
      data[i] = (float) random.nextGaussian();
    }
    return new Checkpoint.Array(shape, data);
  }

  private static Checkpoint checkpoint(int step) {
    Random random = new Random(step);
    return new Checkpoint(step, "steps=100; seed=0", step,
        Map.of("layer.lora_A.weight", array(random, 4, 8), "heads.spam.weight", array(random, 2, 16)),
        Map.of("layer.lora_A.weight", array(random, 4, 8), "heads.spam.weight", array(random, 2, 16)),
        Map.of("layer.lora_A.weight", array(random, 4, 8), "heads.spam.weight", array(random, 2, 16)),
        Map.of("order/spam", array(random, 10), "loss", array(random, step)),
        Map.of("position/spam", "3", "random", "123456789"));
  }

  private static void assertSame(Checkpoint expected, Checkpoint actual) {
    assertEquals(expected.step(), actual.step());
    assertEquals(expected.run(), actual.run());
    assertEquals(expected.optimizerUpdates(), actual.optimizerUpdates());
    assertEquals(expected.values(), actual.values());
    for (var maps : List.of(List.of(expected.parameters(), actual.parameters()), List.of(expected.means(), actual.means()),
        List.of(expected.variances(), actual.variances()), List.of(expected.arrays(), actual.arrays()))) {
      assertEquals(maps.get(0).keySet(), maps.get(1).keySet());
      maps.get(0).forEach((name, array) -> {
        assertArrayEquals(array.shape(), maps.get(1).get(name).shape(), name);
        assertArrayEquals(array.data(), maps.get(1).get(name).data(), 0f, name);
      });
    }
  }

  @Test
  void aFolderKeepsTheNewestAndReadsThemBack(@TempDir Path directory) throws Exception {
    CheckpointDirectory folder = new CheckpointDirectory(directory.resolve("run"), 2);
    for (int step : new int[] {5, 10, 15}) {
      folder.write(checkpoint(step));
    }
    Files.writeString(directory.resolve("run/.checkpoint-00000020.safetensors.123.tmp"), "torn");
    folder.write(checkpoint(20));
    assertEquals(List.of("checkpoint-00000015.safetensors", "checkpoint-00000020.safetensors"),
        folder.files().stream().map(file -> file.getFileName().toString()).toList());
    try (var files = Files.list(directory.resolve("run"))) {
      assertEquals(2, files.count(), "the stale temporary file is gone");
    }
    assertSame(checkpoint(20), folder.newestValid(message -> { }).orElseThrow().checkpoint());
  }

  private static List<String> names(Path directory) throws Exception {
    try (var files = Files.list(directory)) {
      return files.map(file -> file.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void pruningCountsOnlyValidCheckpointsAndNeverDeletesTheOneJustWritten(@TempDir Path directory)
      throws Exception {
    Files.writeString(directory.resolve("checkpoint-00000100.safetensors"), "unreadable");
    CheckpointDirectory one = new CheckpointDirectory(directory, 1);
    Path written = one.write(checkpoint(60));
    assertTrue(Files.exists(written), "the checkpoint just written was deleted: " + names(directory));
    assertEquals(List.of("checkpoint-00000060.safetensors", "checkpoint-00000100.safetensors"), names(directory),
        "the unreadable one is left for the user to inspect");
    List<String> skipped = new java.util.ArrayList<>();
    assertSame(checkpoint(60), one.newestValid(skipped::add).orElseThrow().checkpoint());
    assertTrue(skipped.size() == 1 && skipped.get(0).contains("checkpoint-00000100"), skipped.toString());

    CheckpointDirectory two = new CheckpointDirectory(directory, 2);
    two.write(checkpoint(70));
    Files.writeString(directory.resolve("checkpoint-00000075.safetensors"), "torn");
    two.write(checkpoint(80));
    assertEquals(List.of("checkpoint-00000070.safetensors", "checkpoint-00000075.safetensors",
        "checkpoint-00000080.safetensors", "checkpoint-00000100.safetensors"), names(directory),
        "keep 2 counts the valid 70 and 80, not the unreadable 75");
    two.write(checkpoint(90));
    assertEquals(List.of("checkpoint-00000080.safetensors", "checkpoint-00000090.safetensors",
        "checkpoint-00000100.safetensors"), names(directory), "beyond the newest 2 valid ones all go");
  }

  @Test
  void oddNamesAreSkippedAndReportedAndOnlyThisWritersTemporaryFilesAreRemoved(@TempDir Path directory)
      throws Exception {
    List<String> odd = List.of("checkpoint-99999999999999999999.safetensors", "checkpoint-000000007.safetensors",
        "checkpoint-00000000.safetensors", "checkpoint-x.safetensors");
    for (String name : odd) {
      Files.writeString(directory.resolve(name), "a user's file");
    }
    List<String> others = List.of(".notes.tmp", ".adapter_model.safetensors.8812.tmp",
        ".checkpoint-00000090.safetensors.77.tmp");
    for (String name : others) {
      Files.writeString(directory.resolve(name), "not this writer's");
    }
    Files.writeString(directory.resolve(".checkpoint-00000005.safetensors.123.tmp"), "left by a killed writer");
    CheckpointDirectory folder = new CheckpointDirectory(directory, 1);

    folder.write(checkpoint(5));
    folder.write(checkpoint(6));
    assertEquals(List.of(directory.resolve("checkpoint-00000006.safetensors")), folder.files());
    List<String> skipped = new java.util.ArrayList<>();
    assertSame(checkpoint(6), folder.newestValid(skipped::add).orElseThrow().checkpoint());
    for (String name : odd) {
      assertTrue(skipped.stream().anyMatch(reason -> reason.contains(name) && reason.contains("not a checkpoint name")),
          name + " not reported: " + skipped);
    }
    List<String> expected = new java.util.ArrayList<>(odd);
    expected.addAll(others);
    expected.add("checkpoint-00000006.safetensors");
    assertEquals(expected.stream().sorted().toList(), names(directory),
        "odd names, a user's and another writer's temporary files stay; the killed writer's is gone");
  }

  @Test
  void aRenamedCheckpointIsNotTakenForItsName(@TempDir Path directory) throws Exception {
    CheckpointDirectory folder = new CheckpointDirectory(directory, 5);
    Path file = folder.write(checkpoint(5));
    Files.move(file, directory.resolve("checkpoint-00000009.safetensors"));
    StringBuilder skipped = new StringBuilder();
    assertTrue(folder.newestValid(skipped::append).isEmpty());
    assertTrue(skipped.toString().contains("holds step 5, not the step of its name"), skipped.toString());
  }

  @Test
  void mutatedFilesAreRefusedNeverMisread(@TempDir Path directory) throws Exception {
    byte[] valid = CheckpointFile.encode(checkpoint(7));
    Random random = new Random(1);
    Path file = directory.resolve("checkpoint-00000007.safetensors");
    int refused = 0;
    int same = 0;
    int mutations = 3000;
    for (int i = 0; i < mutations; i++) {
      byte[] bytes = mutate(valid, random);
      Files.write(file, bytes);
      try {
        assertSame(checkpoint(7), CheckpointFile.read(file));
        same++;
      } catch (AdapterFileException e) {
        refused++;
      }
    }
    System.out.printf("checkpoint fuzz: %d mutations, %d refused, %d read back identical%n", mutations, refused, same);
    assertEquals(mutations, refused + same);
    assertTrue(refused > mutations * 9 / 10, refused + " refused");
  }

  /** One of: a flipped bit, a truncation, a random byte run, an absurd header length, a huge header. */
  private static byte[] mutate(byte[] valid, Random random) {
    byte[] bytes = valid.clone();
    switch (random.nextInt(5)) {
      case 0 -> {
        int at = random.nextInt(bytes.length);
        bytes[at] ^= (byte) (1 << random.nextInt(8));
      }
      case 1 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
      case 2 -> {
        int at = random.nextInt(bytes.length - 8);
        for (int i = 0; i < 8; i++) {
          bytes[at + i] = (byte) random.nextInt(256);
        }
      }
      case 3 -> ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN)
          .putLong(0, random.nextBoolean() ? Long.MAX_VALUE - random.nextInt(100) : -1 - random.nextInt(100));
      default -> {
        String header = "{\"__metadata__\":{\"rankwise_checkpoint\":\"1\"},\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
            + "\"data_offsets\":[0," + Long.MAX_VALUE + "]}}";
        byte[] json = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bytes = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array();
      }
    }
    return bytes;
  }

  @Test
  void anotherFormatIsRefusedWithWhatToDo(@TempDir Path directory) throws Exception {
    Path file = directory.resolve("checkpoint-00000001.safetensors");
    Files.write(file, Safetensors.encode(Map.of(), Map.of("rankwise_checkpoint", "2")));
    AdapterFileException e = assertThrows(AdapterFileException.class, () -> CheckpointFile.read(file));
    assertTrue(e.getMessage().contains("checkpoint format 2; this rankwise reads format 1"), e.getMessage());
    Files.write(file, Safetensors.encode(Map.of()));
    e = assertThrows(AdapterFileException.class, () -> CheckpointFile.read(file));
    assertTrue(e.getMessage().contains("not a rankwise checkpoint"), e.getMessage());
  }
}
