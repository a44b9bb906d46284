// What the visitor may attach, checked before uploading (the server checks again).

export const maxAttachmentBytes = 10 * 1024 * 1024;

export const acceptedTypes = ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"] as const;

export type AttachmentProblem = "tooBig" | "badType";

export function checkAttachment(file: { size: number; type: string }): AttachmentProblem | undefined {
  if (!(acceptedTypes as readonly string[]).includes(file.type)) return "badType";
  if (file.size > maxAttachmentBytes) return "tooBig";
  return undefined;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
