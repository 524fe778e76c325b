package dev.rankwise.cli;

import dev.rankwise.runtime.io.AtomicFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One writer per output folder: a lock held on {@value #FILE} inside the folder for as long as a
 * command writes there. Checking whether a folder is in use and then writing races; an operating
 * system lock does not: the second run is refused at once, before it writes anything, with the
 * holder's own line from the file (pid, host, start time and command). The lock dies with its
 * process, however it ends, so a file left by a killed run blocks nothing; the file itself stays
 * (deleting it would let two runs lock two different files of one name).
 *
 * <p>The lock covers one byte far beyond the holder's line, so that the line stays readable where
 * locks are mandatory (Windows).
 */
final class OutputLock implements AutoCloseable {

  /** The lock file's name inside the output folder. */
  static final String FILE = ".rankwise.lock";

  private static final long LOCKED_BYTE = 1L << 30;
  private static final int MAX_LINE = 4096;

  private final FileChannel channel;
  private final FileLock lock;

  private OutputLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** {@code folder} is being written by another run. */
  static final class InUseException extends RuntimeException {
    InUseException(Path folder, String holder) {
      super(folder + " is in use by another rankwise run (" + holder + "); wait for it to end or give"
          + " another --out");
    }
  }

  /**
   * Locks {@code folder} (created if missing) for this process.
   *
   * @param command what this run is, for the message of a run it refuses
   * @throws InUseException naming the holder, if another run (in this or another process) holds it
   * @throws IOException if the folder or its lock file cannot be created or locked
   */
  static OutputLock acquire(Path folder, String command) throws IOException {
    AtomicFiles.createDirectories(folder.toAbsolutePath());
    Path file = folder.resolve(FILE);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      FileLock lock;
      try {
        lock = channel.tryLock(LOCKED_BYTE, 1, false);
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        throw new InUseException(folder, holder(channel));
      }
      String line = "pid " + ProcessHandle.current().pid() + " on " + host() + " since "
          + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ": " + command;
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8)), 0);
      return new OutputLock(channel, lock);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Releases the folder: its line is cleared, then the lock. */
  @Override
  public void close() throws IOException {
    try (channel) {
      channel.truncate(0);
      lock.release();
    }
  }

  private static String holder(FileChannel channel) {
    try {
      ByteBuffer bytes = ByteBuffer.allocate(MAX_LINE);
      channel.read(bytes, 0);
      String line = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
      return line.isEmpty() ? "it is starting and has not written its line yet" : line;
    } catch (IOException e) {
      return "its line in " + FILE + " is unreadable: " + e.getMessage();
    }
  }

  private static String host() {
    String name = System.getenv("COMPUTERNAME");
    if (name != null && !name.isBlank()) {
      return name;
    }
    try {
      Path etc = Path.of("/etc/hostname");
      if (Files.isReadable(etc)) {
        String line = Files.readString(etc).strip();
        if (!line.isEmpty()) {
          return line;
        }
      }
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      return "an unknown host";
    }
  }
}
