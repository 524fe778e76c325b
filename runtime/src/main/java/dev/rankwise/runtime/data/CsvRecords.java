package dev.rankwise.runtime.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * The records of a task's CSV file, read with Apache Commons CSV (RFC 4180: the first row names the
 * columns, a quoted field may hold commas, quotes and line breaks), decoded as strict UTF-8 with an
 * optional byte order mark. Each record knows the line it starts on, for {@code file:line} errors.
 * A broken quote or a bad byte ends the read, with or without skipping: what follows cannot be
 * split into records with any confidence.
 */
final class CsvRecords implements Closeable {

  private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
      .setHeader()
      .setSkipHeaderRecord(true)
      .setIgnoreEmptyLines(false)
      .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
      .get();
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final Path file;
  private final int maxFieldChars;
  private final CSVParser parser;
  private final Iterator<CSVRecord> records;
  private CSVRecord record;
  private long lineNumber;
  private long lastLine;

  CsvRecords(Path file, InputStream in, int maxFieldChars) throws IOException {
    this.file = file;
    this.maxFieldChars = maxFieldChars;
    InputStreamReader reader = new InputStreamReader(withoutBom(in), StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    try {
      parser = CSVParser.parse(reader, FORMAT);
    } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
      reader.close();
      throw new TaskFileException(file, 1, "malformed CSV header: " + reason(e)
          + "; the first row names the columns, each once");
    }
    lastLine = parser.getCurrentLineNumber();
    records = parser.iterator();
  }

  /** Moves to the next record; false at the end of the file. */
  boolean next() throws TaskFileException {
    try {
      if (!records.hasNext()) {
        return false;
      }
      record = records.next();
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new TaskFileException(file, lastLine + 1, "malformed CSV: " + reason(e)
          + "; check the quotes (a quote inside a quoted field is written twice) and save the file as UTF-8");
    }
    lineNumber = lastLine + 1;
    lastLine = parser.getCurrentLineNumber();
    return true;
  }

  /** The line the current record starts on. */
  long lineNumber() {
    return lineNumber;
  }

  /**
   * The current record's value in column {@code name}; null for a blank line.
   *
   * @param role what the column holds, for the message ({@code "text"})
   * @param option the setting that names the column, for the message ({@code "textField"})
   * @throws TaskFileException if the header has no such column, the record is short of fields, or
   *     the value is over the cap
   */
  String field(String name, String role, String option) throws TaskFileException {
    if (record.size() == 1 && record.get(0).isEmpty()) {
      return null;
    }
    List<String> header = parser.getHeaderNames();
    if (!record.isMapped(name)) {
      throw new TaskFileException(file, lineNumber, "no " + role + " column " + DataChecks.quoted(name)
          + " (the header has: " + String.join(", ", header) + "); add the column, or set " + option
          + " to the column that holds the " + role);
    }
    if (!record.isSet(name)) {
      throw new TaskFileException(file, lineNumber, "the record has " + record.size() + " fields but the"
          + " header names " + header.size() + "; quote a field that holds a comma");
    }
    String value = record.get(name);
    if (value.length() > maxFieldChars) {
      throw new TaskFileException(file, lineNumber, role + " longer than " + maxFieldChars
          + " characters; shorten it or raise the cap with optMaxLineBytes");
    }
    return value;
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }

  private static InputStream withoutBom(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in);
    buffered.mark(BOM.length);
    byte[] start = buffered.readNBytes(BOM.length);
    if (!Arrays.equals(start, BOM)) {
      buffered.reset();
    }
    return buffered;
  }

  private static String reason(Exception e) {
    Throwable cause = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof CharacterCodingException ? "invalid UTF-8" : String.valueOf(cause.getMessage());
  }
}
