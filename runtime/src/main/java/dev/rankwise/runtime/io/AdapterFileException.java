package dev.rankwise.runtime.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An adapter file that is missing, malformed, or does not fit the model it is loaded into; also
 * what {@link SafetensorsHeader} throws for any safetensors file whose header is malformed (a
 * caller reading another kind of file may rethrow it as what its files' faults are).
 */
public final class AdapterFileException extends IOException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param file the file at fault
   * @param problem what is wrong and, where possible, what to do
   */
  public AdapterFileException(Path file, String problem) {
    super(file + ": " + problem);
  }
}
