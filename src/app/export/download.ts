/** Hands bytes to the browser's downloads under a file name, as a link click would. */
export function downloadBytes(fileName: string, bytes: Uint8Array): void {
  const copy = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const url = URL.createObjectURL(new Blob([copy], { type: 'application/zip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy by the time the click's task ends; a minute is generous.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
