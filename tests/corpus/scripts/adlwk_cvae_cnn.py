# source: https://github.com/PacktPublishing/Advanced-Deep-Learning-with-Keras/blob/261540b4e733102287e74f50e6080cec8b7e7ac7/chapter8-vae/cvae-cnn-mnist-8.2.1.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
import keras
from keras.layers import Dense, Input
from keras.layers import Conv2D, Flatten, Lambda
from keras.layers import Reshape, Conv2DTranspose
from keras.models import Model
from keras.losses import mse, binary_crossentropy
from keras import backend as K
from keras.utils import to_categorical


def sampling(args):
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


# kerasmagic-corpus: synthetic data (MNIST-shaped arrays instead of mnist.load_data())
rng = np.random.default_rng(1)
x_train = rng.integers(0, 256, (128, 28, 28), dtype=np.uint8)
y_train = rng.integers(0, 10, (128,), dtype=np.uint8)
y_train[:10] = np.arange(10)
x_test = rng.integers(0, 256, (32, 28, 28), dtype=np.uint8)
y_test = np.arange(32, dtype=np.uint8) % 10

image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size, 1]).astype('float32') / 255
x_test = np.reshape(x_test, [-1, image_size, image_size, 1]).astype('float32') / 255
num_labels = len(np.unique(y_train))

input_shape = (image_size, image_size, 1)
label_shape = (num_labels, )
batch_size = 64
kernel_size = 3
filters = 16
latent_dim = 2
epochs = 1  # kerasmagic-corpus: cut (30)
beta = 1.0

inputs = Input(shape=input_shape, name='encoder_input')
y_labels = Input(shape=label_shape, name='class_labels')
x = Dense(image_size * image_size)(y_labels)
x = Reshape((image_size, image_size, 1))(x)
x = keras.layers.concatenate([inputs, x])
for i in range(2):
    filters *= 2
    x = Conv2D(filters=filters, kernel_size=kernel_size, activation='relu', strides=2, padding='same')(x)

shape = K.int_shape(x)
x = Flatten()(x)
x = Dense(16, activation='relu')(x)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])
encoder = Model([inputs, y_labels], [z_mean, z_log_var, z], name='encoder')

latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = keras.layers.concatenate([latent_inputs, y_labels])
x = Dense(shape[1]*shape[2]*shape[3], activation='relu')(x)
x = Reshape((shape[1], shape[2], shape[3]))(x)
for i in range(2):
    x = Conv2DTranspose(filters=filters, kernel_size=kernel_size, activation='relu', strides=2, padding='same')(x)
    filters //= 2
outputs = Conv2DTranspose(filters=1, kernel_size=kernel_size, activation='sigmoid', padding='same', name='decoder_output')(x)
decoder = Model([latent_inputs, y_labels], outputs, name='decoder')

outputs = decoder([encoder([inputs, y_labels])[2], y_labels])
cvae = Model([inputs, y_labels], outputs, name='cvae')

reconstruction_loss = binary_crossentropy(K.flatten(inputs), K.flatten(outputs))
reconstruction_loss *= image_size * image_size
kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
kl_loss = K.sum(kl_loss, axis=-1)
kl_loss *= -0.5 * beta
cvae_loss = K.mean(reconstruction_loss + kl_loss)
cvae.add_loss(cvae_loss)
cvae.compile(optimizer='rmsprop')
cvae.summary()
cvae.fit([x_train, to_categorical(y_train)],
         epochs=epochs,
         batch_size=batch_size,
         validation_data=([x_test, to_categorical(y_test)], None))
cvae.save_weights('cvae_cnn_mnist.h5')

digit = np.random.randint(0, num_labels, 1)
y_label = np.eye(num_labels)[digit]
x_decoded = decoder.predict([np.array([[0.5, -0.5]]), y_label])
print('decoded digit', int(digit[0]), x_decoded.shape)
