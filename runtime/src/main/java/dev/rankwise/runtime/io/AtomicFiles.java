package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader, a crash or a kill never leaves half a file under the target's
 * name: the bytes go to a hidden temporary file beside the target ({@code .<name>.<random>.tmp}),
 * are forced to disk, and the file is renamed over the target; the directory is then forced too,
 * so the rename itself survives a power loss. A temporary file left by a killed writer never has
 * the target's name, and {@link #isTemporary} tells it apart.
 */
public final class AtomicFiles {

  private static final String SUFFIX = ".tmp";

  private AtomicFiles() {}

  /** Writes {@code bytes} to {@code target} atomically, creating its directory if needed. */
  public static void write(Path target, byte[] bytes) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path directory = absolute.getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, "." + absolute.getFileName() + ".", SUFFIX);
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      forceDirectory(directory);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** Writes {@code text} as UTF-8 to {@code target} atomically. */
  public static void write(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Whether {@code file} is a temporary file of this class (left behind if a writer was killed). */
  public static boolean isTemporary(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(".") && name.endsWith(SUFFIX);
  }

  /** Forces a directory's entries to disk where the platform allows it (Linux does; Windows does not). */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every file system can open or force a directory; the rename is still atomic there.
    }
  }
}
