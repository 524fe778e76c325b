package dev.rankwise.runtime.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a file line by line as bytes with a bounded buffer, so a huge line is detected without
 * being held in memory, and decodes each line as strict UTF-8. Lines end at {@code \n}; a {@code
 * \r} before it is dropped, and so is a byte order mark at the start of the file.
 */
final class LineReader implements Closeable {

  private static final int CHUNK = 1 << 16;

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] chunk = new byte[CHUNK];
  private int chunkPos;
  private int chunkLimit;
  private byte[] line = new byte[1 << 13];
  private int lineLength;
  private boolean tooLong;
  private long lineNumber;
  private int badByte;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private CharBuffer chars = CharBuffer.allocate(1 << 13);

  LineReader(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /**
   * Moves to the next line. Returns false at the end of the input. A line longer than the cap is
   * read to its end but not kept: {@link #tooLong()} tells.
   */
  boolean next() throws IOException {
    lineLength = 0;
    tooLong = false;
    boolean readAny = false;
    while (true) {
      if (chunkPos == chunkLimit) {
        int n = in.read(chunk);
        if (n < 0) {
          chunkPos = 0;
          chunkLimit = 0;
          if (!readAny) {
            return false;
          }
          break;
        }
        chunkPos = 0;
        chunkLimit = n;
      }
      readAny = true;
      int start = chunkPos;
      while (chunkPos < chunkLimit && chunk[chunkPos] != '\n') {
        chunkPos++;
      }
      append(start, chunkPos - start);
      if (chunkPos < chunkLimit) {
        chunkPos++; // the '\n'
        break;
      }
    }
    lineNumber++;
    if (!tooLong && lineLength > 0 && line[lineLength - 1] == '\r') {
      lineLength--;
    }
    return true;
  }

  private void append(int start, int length) {
    if (tooLong || length == 0) {
      return;
    }
    if ((long) lineLength + length > maxLineBytes) {
      tooLong = true;
      lineLength = 0;
      return;
    }
    if (lineLength + length > line.length) {
      int size = (int) Math.min(Math.max(2L * line.length, lineLength + length), maxLineBytes);
      line = Arrays.copyOf(line, size);
    }
    System.arraycopy(chunk, start, line, lineLength, length);
    lineLength += length;
  }

  /** The 1-based number of the current line. */
  long lineNumber() {
    return lineNumber;
  }

  /** Whether the current line is longer than the cap (its bytes were not kept). */
  boolean tooLong() {
    return tooLong;
  }

  /**
   * Decodes the current line as strict UTF-8.
   *
   * @return the text, or null when the bytes are not valid UTF-8 (then {@link #badByte()} tells)
   */
  String decode() {
    int offset = lineNumber == 1 && startsWithByteOrderMark() ? 3 : 0;
    ByteBuffer bytes = ByteBuffer.wrap(line, offset, lineLength - offset);
    if (chars.capacity() < lineLength) {
      chars = CharBuffer.allocate(Math.max(lineLength, 2 * chars.capacity()));
    }
    chars.clear();
    decoder.reset();
    CoderResult result = decoder.decode(bytes, chars, true);
    if (!result.isError()) {
      result = decoder.flush(chars);
    }
    if (result.isError()) {
      badByte = bytes.position() + 1;
      return null;
    }
    chars.flip();
    return chars.toString();
  }

  /**
   * The 1-based byte column of the first invalid UTF-8 byte found by the last {@link #decode()}.
   */
  int badByte() {
    return badByte;
  }

  private boolean startsWithByteOrderMark() {
    return lineLength >= 3
        && line[0] == (byte) 0xEF
        && line[1] == (byte) 0xBB
        && line[2] == (byte) 0xBF;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
