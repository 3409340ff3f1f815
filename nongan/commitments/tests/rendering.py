"""Reading what the PDFs and maps show: a PDF page rendered to pixels and its text, as a
reader would see them (pypdfium2, the PDF engine of Chromium)."""

import io

from PIL import Image


def pdf_pages(body: bytes):
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(body)


def page_image(body: bytes, index: int = 0) -> Image.Image:
    return pdf_pages(body)[index].render(scale=1).to_pil().convert("L")


def page_text(body: bytes, index: int = 0) -> str:
    return pdf_pages(body)[index].get_textpage().get_text_range()


def dark_share(image: Image.Image, threshold: int = 200) -> float:
    """The share of pixels darker than `threshold` (0 black … 255 white)."""
    histogram = image.convert("L").histogram()
    return sum(histogram[:threshold]) / (image.width * image.height)


def png(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body)).convert("RGB")
