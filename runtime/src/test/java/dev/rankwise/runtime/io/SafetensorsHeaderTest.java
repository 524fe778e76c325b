package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one header reader as other modules use it (the rules themselves: {@link SafetensorsTest}):
 * every dtype of the format sized as the reference sizes it, and the same header from bytes in
 * memory and from a channel.
 */
class SafetensorsHeaderTest {

  private static byte[] file(String header, int dataBytes) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(json.length).put(json);
    for (int i = 0; i < dataBytes; i++) {
      buffer.put((byte) i);
    }
    return buffer.array();
  }

  @Test
  void aModelsHeaderReadsTheSameFromMemoryAndFromAChannel(@TempDir Path folder) throws Exception {
    String header = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[8,16]},"
        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
        + "\"q\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[16,17]}}";
    byte[] bytes = file(header, 17);
    Path file = folder.resolve("model.safetensors");
    Files.write(file, bytes);

    ByteBuffer contents = ByteBuffer.wrap(bytes);
    SafetensorsHeader parsed = SafetensorsHeader.parse(file, contents);
    SafetensorsHeader read;
    ByteBuffer w;
    try (FileChannel channel = FileChannel.open(file)) {
      read = SafetensorsHeader.read(file, channel);
      w = read.read(channel, read.entries().get(0));
    }
    assertEquals(parsed.entries(), read.entries());
    assertEquals(List.of("w", "ids", "q"), read.entries().stream().map(SafetensorsHeader.Entry::name).toList());
    assertEquals(Map.of("format", "pt"), read.metadata());
    assertEquals(8 + header.getBytes(StandardCharsets.UTF_8).length, read.dataStart());
    assertEquals(17, read.dataLength());
    assertArrayEquals(new long[] {2, 2}, read.entries().get(0).shape());
    assertEquals(parsed.data(contents, parsed.entries().get(0)), w, "the same 8 bytes either way");
    assertEquals(8, w.remaining());
    assertEquals(8, w.get(0), "data byte 8");
  }

  @Test
  void aSubByteDtypeMustFillWholeBytes() {
    String header = "{\"q\":{\"dtype\":\"F6_E2M3\",\"shape\":[3],\"data_offsets\":[0,2]}}";
    AdapterFileException error = assertThrows(AdapterFileException.class,
        () -> SafetensorsHeader.parse(Path.of("m.safetensors"), ByteBuffer.wrap(file(header, 2))));
    assertTrue(error.getMessage().startsWith("m.safetensors: tensor 'q'")
        && error.getMessage().contains("not a whole number of bytes"), error.getMessage());
  }
}
