package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors layout itself, without an engine. */
class SafetensorsTest {

  @Test
  void aNonAsciiKeyKeepsTheHeaderAMultipleOfEightBytesAndReadsBack(@TempDir Path directory)
      throws Exception {
    // Task names end up in keys: "é" is two UTF-8 bytes, each of "語" three; one UTF-16 char each.
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    tensors.put("heads.café.weight",
        new Safetensors.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    tensors.put("heads.日本語.bias",
        new Safetensors.Tensor(new long[] {2}, new float[] {-1.5f, 0.25f}));
    byte[] bytes = Safetensors.encode(tensors, Map.of("task", "résumé"));

    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8, "header length " + headerLength + " bytes");
    assertEquals(bytes.length, 8 + headerLength + 4 * (6 + 2), "the data follows the header");
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    String json = header.stripTrailing();
    assertEquals(" ".repeat(header.length() - json.length()), header.substring(json.length()),
        "padded with trailing spaces only");
    assertTrue(json.startsWith("{") && json.endsWith("}"), header);
    ByteBuffer data =
        ByteBuffer.wrap(bytes, 8 + (int) headerLength, 4 * 8).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1f, data.getFloat(), "the first tensor starts where the data section starts");

    Path file = directory.resolve("adapter_model.safetensors");
    Files.write(file, bytes);
    Safetensors.Contents contents = Safetensors.readContents(file);
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(contents.tensors().keySet()));
    tensors.forEach((name, tensor) -> {
      assertArrayEquals(tensor.shape(), contents.tensors().get(name).shape(), name);
      assertArrayEquals(tensor.values(), contents.tensors().get(name).values(), name);
    });
    assertEquals("résumé", contents.metadata().get("task"));
  }
}
