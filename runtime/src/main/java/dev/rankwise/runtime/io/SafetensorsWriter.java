package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes float32 tensors as a safetensors file, with the runtime's own encoder (the one adapter
 * files and checkpoints are written with): tensors in the given order, {@code __metadata__} {@code
 * {"format": "pt"}} as transformers' {@code save_pretrained} writes and requires, the header padded
 * to 8 bytes. The file is written atomically ({@link AtomicFiles}). The public face of a
 * package-private writer, for other modules (the encoders' merged model export).
 */
public final class SafetensorsWriter {

  private SafetensorsWriter() {}

  /**
   * Writes {@code tensors} to {@code file}, replacing it atomically.
   *
   * @throws IllegalArgumentException if a value is not finite (naming the tensor) or the file would
   *     exceed the 2 GiB a file of this writer can hold
   */
  public static void write(Path file, Map<String, FloatTensor> tensors) throws IOException {
    write(file, tensors, Map.of());
  }

  /**
   * As {@link #write(Path, Map)}, with {@code metadata} added to the header's {@code __metadata__}
   * (strings by name; readers such as PEFT ignore what they do not know).
   */
  public static void write(Path file, Map<String, FloatTensor> tensors, Map<String, String> metadata)
      throws IOException {
    Map<String, Safetensors.Tensor> encoded = new LinkedHashMap<>();
    long bytes = 0;
    for (Map.Entry<String, FloatTensor> tensor : tensors.entrySet()) {
      for (float value : tensor.getValue().values()) {
        if (!Float.isFinite(value)) {
          throw new IllegalArgumentException("refusing to write " + file + ": tensor '" + tensor.getKey()
              + "' holds " + value);
        }
      }
      bytes += 4L * tensor.getValue().values().length;
      encoded.put(tensor.getKey(), new Safetensors.Tensor(tensor.getValue().shape(), tensor.getValue().values()));
    }
    if (bytes > Safetensors.MAX_FILE_BYTES - SafetensorsHeader.MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("refusing to write " + file + ": " + bytes + " bytes of tensors, more"
          + " than the " + Safetensors.MAX_FILE_BYTES + " bytes a file of this writer holds");
    }
    AtomicFiles.write(file, Safetensors.encode(encoded, metadata));
  }
}
