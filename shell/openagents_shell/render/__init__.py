"""Backends that draw the display list (Canvas2D, WebGPU) and the accessible DOM mirror."""
