"""The hotline's documents (the transfer document, result letters, the office's letters): one
renderer gives each as an HTML page and as a PDF, and the issuer's certificate signs the PDF
(PAdES) where the settings configure one."""
