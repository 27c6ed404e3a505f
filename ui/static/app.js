// Lightbox UI
